// The faults the suite injects, in the order of docs/reliability.md's table, and the table's rows.

/** Every fault of the suite, named as in the first column of docs/reliability.md. */
export const faultNames = [
  'no fault (baseline)',
  'Telnyx API brownout, 1.5 s of 503',
  'Telnyx API brownout, 10 s of 503',
  'a failing command (422, refused for good)',
  'a hanging command (applied, its answer never comes)',
  'duplicate, late and reordered deliveries',
  'Redis restarted, append-only persistence',
  'Redis restarted without persistence',
  'an instance SIGKILLed mid-call and restarted',
  'Vonage JWTs replayed',
  'Vonage JWTs expired or not yet valid',
] as const;

export type FaultName = (typeof faultNames)[number];

/** One row of the reliability table. */
export interface FaultRow {
  fault: FaultName;
  placed: number;
  completed: number;
  /** Ended with the apology (the caller is told, then the call ends). */
  apology: number;
  /** Neither completed nor told: silence, a stall, an error. */
  lost: number;
  /** Commands Telnyx applied twice (a repeated command_id is ignored by Telnyx and not counted), or replays acted on. */
  duplicated: number;
  queueOrderViolations: number | '–';
  notes: string;
}

/**
 * A seeded draw in [0, 1) for a named decision (`"<caller> command 3"`): the same seed and name always draw the same
 * number, whatever order concurrent requests arrive in, so a run is reproduced from its printed seed.
 */
export function seededDraw(seed: number): (name: string) => number {
  return (name) => {
    let hash = (2_166_136_261 ^ seed) >>> 0;
    for (let index = 0; index < name.length; index++) hash = Math.imul(hash ^ name.charCodeAt(index), 16_777_619) >>> 0;
    // mulberry32's finaliser spreads the FNV-1a hash.
    let mixed = (hash + 0x6d2b79f5) >>> 0;
    mixed = Math.imul(mixed ^ (mixed >>> 15), 1 | mixed);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The table as it goes in docs/reliability.md. */
export function reliabilityTable(rows: readonly FaultRow[]): string {
  const head =
    '| fault | calls placed | completed | apology | lost | duplicated commands | queue-order violations | notes |\n|---|---|---|---|---|---|---|---|';
  return [
    head,
    ...rows.map(
      (row) =>
        `| ${row.fault} | ${row.placed} | ${row.completed} | ${row.apology} | ${row.lost} | ${row.duplicated} | ${row.queueOrderViolations} | ${row.notes} |`,
    ),
  ].join('\n');
}

/** The fault names of the table in a Markdown document (the rows between the table's head and its end). */
export function tableFaults(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| fault | calls placed |'));
  if (start === -1) return [];
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1]!.trim());
  }
  return rows;
}
