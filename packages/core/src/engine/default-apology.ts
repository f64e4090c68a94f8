/** What the caller hears when the flow fails and `flow.defaults.apology` is not set. */
export const defaultApology = 'We are sorry, something went wrong. Goodbye.';
