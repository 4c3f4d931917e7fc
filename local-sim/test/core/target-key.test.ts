/**
 * The engine's target keys and the attachments shells keep on them (core/target-key.ts): invisible to
 * equality and JSON, scoped to their owner, refused on keys the engine did not make.
 */
import { Attachment, EngineTargetKey } from '../../src/core/target-key';
// the virtual shell's modules take both attachment kinds (backends, recorder indexes) when loaded
import '../../src/virtual';

describe('EngineTargetKey', () => {
  test('equals and serialises as the plain key, attachments or not', () => {
    const key = new EngineTargetKey('tg', '10.0.0.1', 80);
    EngineTargetKey.write(key, 0, {}, 'backend');
    expect(key).toEqual({ targetGroupId: 'tg', targetId: '10.0.0.1', port: 80 });
    expect(JSON.stringify(key)).toBe('{"targetGroupId":"tg","targetId":"10.0.0.1","port":80}');
  });

  test('a value is found by its owner only, and each slot holds its own', () => {
    const key = new EngineTargetKey('tg', 'i-1', 8080);
    const owner = {};
    const other = {};
    expect(EngineTargetKey.write(key, 0, owner, 'a')).toBe(true);
    expect(EngineTargetKey.write(key, 1, owner, 7)).toBe(true);
    expect(EngineTargetKey.read(key, 0, owner)).toBe('a');
    expect(EngineTargetKey.read(key, 1, owner)).toBe(7);
    expect(EngineTargetKey.read(key, 0, other)).toBeUndefined();
    EngineTargetKey.write(key, 0, other, 'b');
    expect(EngineTargetKey.read(key, 0, other)).toBe('b');
    expect(EngineTargetKey.read(key, 0, owner)).toBeUndefined();
  });

  test('a plain key object takes no attachment', () => {
    const plain = { targetGroupId: 'tg', targetId: 'i-1', port: 80 };
    expect(EngineTargetKey.write(plain, 0, {}, 'x')).toBe(false);
    expect(EngineTargetKey.read(plain, 0, {})).toBeUndefined();
  });

  test('there is room for two kinds of attachment', () => {
    expect(() => new Attachment<number>()).toThrow('room for 2 attachment kinds');
  });
});
