/** §4.2 RegexValues and §4.3 transforms: the pure regex and rewrite functions of the core. */
import { compileRuleRegex, rewriteFirst, ruleRegexMatches } from '../../src/core/regex';
import { applyTransforms } from '../../src/core/transforms';

describe('§4.2 rule regex matching (regex_condition_semantics)', () => {
  test.each([
    ['^/v[0-9]+/', '/v2/orders', true],
    ['orders', '/v2/orders/7', true],
    ['^orders', '/v2/orders', false],
    ['^API$', 'api', false],
  ])('%s in %s → %s', (pattern, text, expected) => {
    expect(ruleRegexMatches(pattern, text)).toBe(expected);
  });

  test('§4.2 patterns outside the dialect do not compile and never match', () => {
    expect(compileRuleRegex('(a)\\1')).toMatchObject({ ok: false, why: expect.stringContaining('backreference') });
    expect(ruleRegexMatches('(a)\\1', 'aa')).toBe(false);
  });
});

describe('§4.3 rewrites (transform_input, transform_failure)', () => {
  test('§4.3 $n and ${n} name groups; only the first match is replaced; other $ are literal', () => {
    expect(rewriteFirst('(\\w+)-(\\w+)', '${2}$1$', 'ab-cd ef-gh')).toEqual({
      kind: 'rewritten',
      value: 'cdab$ ef-gh',
    });
  });

  test('§4.3 a group that took no part in the match gives the empty string', () => {
    expect(rewriteFirst('^/(a)?b', '/x$1y', '/b')).toEqual({ kind: 'rewritten', value: '/xy' });
  });

  test('§4.3 no match leaves the request unchanged; a missing group fails', () => {
    expect(rewriteFirst('^/nope', '/x', '/a')).toEqual({ kind: 'no-match' });
    expect(rewriteFirst('^/(a)', '/$3', '/a')).toMatchObject({ kind: 'failed' });
  });

  test('§4.3 the guide example: ^/dp/([A-Za-z0-9]+)/?$ → /product.php?id=$1', () => {
    const t = [
      { type: 'url-rewrite' as const, rewrites: [{ regex: '^/dp/([A-Za-z0-9]+)/?$', replace: '/product.php?id=$1' }] },
    ];
    expect(applyTransforms(t, '/dp/B0ABC/', 'shop.example.com')).toEqual({
      kind: 'applied',
      pathAndQuery: '/product.php?id=B0ABC',
    });
  });

  test('§4.3 a host rewritten to something that is not a host name fails', () => {
    const t = [{ type: 'host-header-rewrite' as const, rewrites: [{ regex: '.*', replace: 'bad host' }] }];
    expect(applyTransforms(t, '/', 'example.com')).toMatchObject({ kind: 'failed' });
  });
});
