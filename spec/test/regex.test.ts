import {
  captureGroupCount,
  checkRuleRegex,
  ELB_SSL_POLICIES,
  replacementGroupReferences,
  WAF_REGIONAL_WEB_ACL_ARN,
} from '@ha-load-balancer/spec';

describe('spec: rule regex dialect (docs/aws-behaviour.md §4.2 RegexValues, §4.3 transforms)', () => {
  test.each([
    '^/dp/([A-Za-z0-9]+)/?$',
    '^mywebsite-(.+).com$',
    '^(?:api|www)\\.example\\.com$',
    '^/v[0-9]{1,3}/(?<rest>.*)$',
    '[(?=]literal-in-class',
    '[]a]+',
    '[^]a]*?',
    'a{2,}b{3}c+?',
    '\\(\\?=escaped\\)',
  ])('%p is accepted', (pattern) => {
    expect(checkRuleRegex(pattern)).toBeUndefined();
  });

  test.each([
    ['foo(?=bar)', 'lookahead', '(?='],
    ['foo(?!bar)', 'lookahead', '(?!'],
    ['(?<=foo)bar', 'lookbehind', '(?<='],
    ['(?<!foo)bar', 'lookbehind', '(?<!'],
    ['(a)\\1', 'backreference', '\\1'],
    ['(?<x>a)\\k<x>', 'backreference', '\\k<'],
    ['(?P<x>a)(?P=x)', 'backreference', '(?P='],
    ['(a)\\g{1}', 'backreference', '\\g{'],
    ['(?>a+)b', 'atomic group', '(?>'],
    ['a++b', 'possessive quantifier', '++'],
    ['a*+b', 'possessive quantifier', '*+'],
    ['a?+b', 'possessive quantifier', '?+'],
    ['a{2,3}+b', 'possessive quantifier', '}+'],
    ['(a|(?R))', 'recursion', '(?R)'],
    ['(a)(?1)', 'subroutine', '(?1)'],
    ['(?<n>a)(?&n)', 'subroutine', '(?&n)'],
    ['(?<n>a)\\g<n>', 'subroutine', '\\g<'],
    ['\\p{L}+', 'Unicode character class', '\\p{L}'],
    ['[\\P{Lu}]', 'Unicode character class', '\\P{Lu}'],
    ['\\pL', 'Unicode character class', '\\pL'],
  ] as const)('%p is refused: %s', (pattern, feature, text) => {
    expect(checkRuleRegex(pattern)).toEqual({ feature, index: pattern.indexOf(text), text });
  });

  test.each([
    ['(abc', "a '(' group is never closed"],
    ['abc)', "an unmatched ')'"],
    ['[abc', "a '[' class is never closed"],
    ['*abc', "'*' has nothing to repeat"],
    ['a|+b', "'+' has nothing to repeat"],
    ['abc\\', 'a trailing backslash escapes nothing'],
  ])('%p is not a regular expression: %s', (pattern, text) => {
    expect(checkRuleRegex(pattern)).toMatchObject({ feature: 'syntax', text });
  });

  test('capture groups and $n references', () => {
    expect(captureGroupCount('^/(a)/(?:b)/(?<c>c)/(d(e))$')).toBe(4);
    expect(captureGroupCount('[(]x(?=')).toBe(0);
    expect(replacementGroupReferences('/p?id=$1&x=${12}$')).toEqual([1, 12]);
  });
});

describe('spec: listener and load-balancer facts (docs/aws-behaviour.md §8.2, §8.3)', () => {
  test('the security-policy list holds the library default and the policy CloudFormation uses by default', () => {
    expect(ELB_SSL_POLICIES).toContain('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(ELB_SSL_POLICIES).toContain('ELBSecurityPolicy-2016-08');
    expect(new Set(ELB_SSL_POLICIES).size).toBe(ELB_SSL_POLICIES.length);
  });

  test('only regional WAF web ACLs can protect a load balancer', () => {
    const acl = 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/0123-abcd';
    expect(WAF_REGIONAL_WEB_ACL_ARN.exec(acl)?.slice(1)).toEqual(['aws', 'us-east-1', '123456789012']);
    expect(WAF_REGIONAL_WEB_ACL_ARN.test(acl.replace('regional', 'global'))).toBe(false);
  });
});
