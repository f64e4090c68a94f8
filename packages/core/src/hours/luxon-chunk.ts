// The part of luxon business hours use, in its own chunk (dist/luxon.js): only flows with schedules load it.
export { DateTime } from 'luxon';
