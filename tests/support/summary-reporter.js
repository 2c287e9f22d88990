"use strict";
// Mocha's spec reporter, plus one plain closing line ("tests: N passed, N failed, N skipped")
// that CI reads to know how many tests ran.
const Mocha = require("mocha");
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(EVENT_RUN_END, () => {
            const s = runner.stats;
            process.stdout.write(`\n${process.env.MESH_ROLLOUT_SUITE || "tests"}: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
        });
    }
}
module.exports = SummaryReporter;
