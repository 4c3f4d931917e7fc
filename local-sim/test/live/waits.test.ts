/**
 * The `waitFor...` methods: they resolve on the event they wait for, reject with SIM_WAIT_ABORTED naming
 * what did not happen when their timeout passes, and reject when the simulator stops.
 */
import type { Simulator } from '../../src/index';
import { allHealthy, SITE, startFixture } from './helpers';

describe('waiting on the simulator', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  test('a wait that times out rejects with SIM_WAIT_ABORTED naming the target, the state and the time', async () => {
    sim = await startFixture();
    await allHealthy(sim, SITE);
    await expect(sim.waitForHealth(SITE, 0, 'draining', { timeoutMs: 20 })).rejects.toMatchObject({
      code: 'SIM_WAIT_ABORTED',
      message: expect.stringContaining(`target 0 of ${SITE} did not reach "draining" within 20 ms (now healthy)`),
    });
  });

  test('stopping the simulator rejects every wait with SIM_NOT_RUNNING', async () => {
    sim = await startFixture();
    await allHealthy(sim, SITE);
    const waiting = sim.waitForHealth(SITE, 0, 'draining');
    const stopped = sim.stop();
    await expect(waiting).rejects.toMatchObject({ code: 'SIM_NOT_RUNNING' });
    await stopped;
    sim = undefined;
  });

  test('a wait resolves with the change it waited for', async () => {
    sim = await startFixture();
    await allHealthy(sim, SITE);
    const waiting = sim.waitForHealth(SITE, 1, 'draining');
    sim.targets(SITE).get(1).deregister();
    await expect(waiting).resolves.toMatchObject({ index: 1, to: 'draining' });
  });
});
