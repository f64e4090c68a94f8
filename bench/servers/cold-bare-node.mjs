// Cold start floor: a fresh node process that loads one ES module and answers nothing (what every cold start pays first).
const started = performance.now();
process.stdout.write(JSON.stringify({ importMs: 0, answerMs: performance.now() - started, status: 200, ok: true }));
