// Asserting the component contract: a refused input throws the project's error, with a path, and
// registers nothing (not the component, not the ledger, not a child).
import assert from "node:assert/strict";
import { MeshRolloutValidationError } from "../../../domain";
import { installMocks, recorded } from "../support/mocks";

/** Lets queued registrations reach the mocks. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 2));
    }
}

/** Runs `build`, expects our validation error whose message starts with `message`, and that nothing was registered. */
export async function assertRefused(build: () => unknown, message: string | RegExp): Promise<MeshRolloutValidationError> {
    await installMocks();
    await settle();
    const before = recorded.length;
    let error: unknown;
    try {
        build();
    } catch (e) {
        error = e;
    }
    assert.ok(error instanceof MeshRolloutValidationError, `expected MeshRolloutValidationError, got ${String(error)}`);
    if (typeof message === "string") {
        assert.ok(error.message.startsWith(message), `${error.message}\n  does not start with\n${message}`);
    } else {
        assert.match(error.message, message);
    }
    await settle();
    assert.deepEqual(
        recorded.slice(before).map((r) => `${r.type}::${r.name}`),
        [],
        "a refused input registers nothing",
    );
    return error;
}
