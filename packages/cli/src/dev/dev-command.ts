export async function devCommand(_f: string, _o: unknown): Promise<import('../cli.js').CommandResult> { return { code: 1, stdout: '', stderr: 'todo' }; }
