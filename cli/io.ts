/** Exit codes: 0 allowed / ok, 1 refused, 2 invalid arguments. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/** Where a command writes: stdout for its answer, stderr for usage errors. */
export interface Io {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
}

export const processIo: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
};
