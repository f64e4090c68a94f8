// render and simulate need the provider adapters and emulators; they register here.
export {};
