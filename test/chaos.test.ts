import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDocuments } from '../scripts/benchmark/workload';
import { runScenario } from '../scripts/chaos/scenarios';

/**
 * The chaos scenarios of the reliability report at a size that fits CI: each starts its own dev server, three
 * worker processes and a simulator, injects its faults while requests flow, and must lose nothing.
 */
describe('chaos', () => {
  const size = { requests: 40, perSecond: 5 };
  let documents: string[];
  let workDir: string;

  beforeAll(() => {
    documents = loadDocuments();
    workDir = mkdtempSync(join(tmpdir(), 'genai-flow-chaos-test-'));
  });

  test.each(['worker-sigkill', 'temporal-restart', 'provider-outage', '429-storm'])(
    'no request is lost in the %s scenario', async (scenario) => {
      const report = await runScenario(scenario, size, documents, workDir);

      expect(report.faults_injected).toBeGreaterThan(0);
      expect(report.lost).toBe(0);
      expect(report.completed).toBe(size.requests);
    }, 300_000);
});
