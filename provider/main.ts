// Entry point of the plugin executable bin/pulumi-resource-mesh-rollout.
import { main } from "./server";

main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`pulumi-resource-mesh-rollout: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
});
