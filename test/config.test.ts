import { parseConfig } from '../common/config';
import { errorCatalogue, ProductError } from '../common/errors';

function configError(raw: unknown): ProductError | undefined {
  try {
    parseConfig(raw);
    return undefined;
  } catch (err) {
    return err as ProductError;
  }
}

describe('configuration', () => {
  test('an empty config gets the defaults with the simulator as the provider', () => {
    const config = parseConfig({});

    expect(Object.keys(config.providers)).toEqual(['simulator']);
    expect(config.chains.default?.[0]).toEqual({ provider: 'simulator', model: 'sim-large' });
    expect(config.modelCall.maximumAttempts).toBe(4);
  });

  test('the parsed config is frozen', () => {
    const config = parseConfig({});

    expect(Object.isFrozen(config.modelCall)).toBe(true);
  });

  test('a chain naming an unknown provider fails with CONFIG_INVALID and the path of the field', () => {
    const error = configError({ chains: { default: [{ provider: 'ghost', model: 'x' }] } });

    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.field).toBe('chains.default.0.provider');
  });

  test('a duration that is not a duration names its field', () => {
    const error = configError({ modelCall: { heartbeatTimeout: 'soon' } });

    expect(error?.field).toBe('modelCall.heartbeatTimeout');
  });

  test('a wait that a Node timer cannot hold is refused, not turned into an instant timeout', () => {
    const idle = configError({ modelCall: { streamIdleTimeout: '30 days' } });
    const timeout = configError({ providers: { simulator: { baseUrl: 'http://127.0.0.1:1/v1', models: ['m'],
      timeout: '30 days' } }, chains: { default: [{ provider: 'simulator', model: 'm' }] } });

    expect(idle?.field).toBe('modelCall.streamIdleTimeout');
    expect(timeout?.field).toBe('providers.simulator.timeout');
    expect(parseConfig({ modelCall: { streamIdleTimeout: '24 days' } }).modelCall.streamIdleTimeout).toBe('24 days');
  });

  test('an unknown key is refused rather than ignored', () => {
    const error = configError({ taskQeue: 'typo' });

    expect(error?.code).toBe('CONFIG_INVALID');
  });
});

describe('the error catalogue', () => {
  test('every code is upper snake case with an HTTP status and a message', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.message.length).toBeGreaterThan(10);
    }
  });
});
