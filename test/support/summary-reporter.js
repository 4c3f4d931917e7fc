/**
 * Prints the one line CI reads: "tests: N passed, N failed". A suite that fails to load (a compile
 * error, a throw at import time) counts as one failed test so it can never pass unnoticed.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
