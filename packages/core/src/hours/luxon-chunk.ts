// Business hours in their own chunk (dist/luxon.js): the hours logic and the part of luxon it uses. Only flows with
// schedules load it.
export { checkHours } from './check-hours.js';
