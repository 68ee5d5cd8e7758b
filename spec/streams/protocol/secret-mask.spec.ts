import { describe, expect, it } from '@jest/globals';
import { maskSecret } from '../../../streams/protocol/secret-mask.js';

describe('maskSecret', () => {
  it('stars out the secret of /pass, /register and /identify NICK, keeping the length', () => {
    expect(maskSecret('/register two words')).toBe('/register *********');
    expect(maskSecret('/REGISTER  x')).toBe('/REGISTER  *');
    expect(maskSecret('/identify ada s3cret')).toBe('/identify ada ******');
    expect(maskSecret('/pass hunter2')).toBe('/pass *******');
    expect(maskSecret('/register 🔑é')).toHaveLength('/register 🔑é'.length);
  });

  it('leaves a line with no secret (yet) as it is', () => {
    for (const line of [
      '/register',
      '/register ',
      '/identify ada',
      '/identify ada ',
      'hello /register x',
      '//register x',
      '/registered x',
      '/nick ada',
    ])
      expect(maskSecret(line)).toBe(line);
  });
});
