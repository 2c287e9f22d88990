import { clip, MeshRolloutValidationError } from "../domain";
import { EXIT, Io, processIo } from "./io";
import { runPlan } from "./plan";

export { EXIT } from "./io";
export type { Io } from "./io";

export const USAGE = `Usage: mesh-rollout <command> [options]

Commands:
  plan --from <version> --to <version> [--strategy auto|canary|in-place] [--json]
      Plans a control-plane upgrade: in place, canary (controlPlane -> dataPlane -> finalize),
      or refused with the rule and the hops to take instead.
      Exit 0 when allowed, 1 when refused, 2 when an argument is invalid.

  help
      Prints this text.
`;

/** Runs the CLI and returns its exit code; never calls process.exit, so tests can drive it. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
    const [command, ...rest] = argv;
    try {
        switch (command) {
            case "plan":
                return runPlan(rest, io);
            case "help":
            case "--help":
            case "-h":
                io.out(USAGE);
                return EXIT.ok;
            case undefined:
                io.err(USAGE);
                return EXIT.usage;
            default:
                io.err(`mesh-rollout: unknown command '${clip(command)}'. Commands: plan, help.\n`);
                return EXIT.usage;
        }
    } catch (e) {
        if (e instanceof MeshRolloutValidationError) {
            io.err(`mesh-rollout: ${e.message}\n`);
            return EXIT.usage;
        }
        throw e;
    }
}
