/**
 * The wire codecs of the AWS API, without sockets: Query parameters (structures, numbered member lists,
 * AWS's validation wording), XML documents (namespace, escaping, empty lists) and Route 53 change batches.
 */
import { XMLParser } from 'fast-xml-parser';
import { ApiError } from '../../src/api/errors';
import { elbv2ErrorDocument } from '../../src/api/elbv2/handler';
import { QueryParams } from '../../src/api/query';
import { parseChangeBatch, route53ErrorDocument } from '../../src/api/route53/handler';
import { members, xmlDocument } from '../../src/api/xml';

describe('Query parameters', () => {
  const p = QueryParams.parse(
    [
      'Action=RegisterTargets',
      'TargetGroupArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A1%3Atargetgroup%2Fa%2Fb',
      'Targets.member.2.Id=10.0.0.2',
      'Targets.member.1.Id=10.0.0.1',
      'Targets.member.1.Port=8080',
      'Names.member.1=a',
      'Names.member.10=c',
      'Names.member.2=b',
      'Matcher.HttpCode=200-299',
      'Flag=true',
    ].join('&'),
  );

  test('numbered members come back in index order, as strings or structures', () => {
    expect(p.list('Names')).toEqual(['a', 'b', 'c']);
    expect(p.structs('Targets')?.map((t) => [t.string('Id'), t.int('Port')])).toEqual([
      ['10.0.0.1', 8080],
      ['10.0.0.2', undefined],
    ]);
    expect(p.list('Absent')).toBeUndefined();
    expect(p.struct('Matcher')?.string('HttpCode')).toBe('200-299');
    expect(p.string('TargetGroupArn')).toBe('arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a/b');
    expect(p.bool('Flag')).toBe(true);
  });

  test('an empty list parameter (`Names=`) is an empty list', () => {
    expect(QueryParams.parse('Names=').list('Names')).toEqual([]);
  });

  test.each([
    ['Port=abc', () => QueryParams.parse('Port=abc').int('Port'), "Value 'abc' at 'port' is not a valid integer"],
    [
      'Targets.member.1.Port=0',
      () => QueryParams.parse('Targets.member.1.Port=0').structs('Targets')![0].int('Port', { min: 1, max: 65535 }),
      "1 validation error detected: Value '0' at 'targets.1.member.port' failed to satisfy constraint: Member must have value between 1-65535",
    ],
    [
      'TargetGroupArn missing',
      () => QueryParams.parse('').required('TargetGroupArn'),
      "1 validation error detected: Value 'null' at 'targetGroupArn' failed to satisfy constraint: Member must not be null",
    ],
    ['Flag=yes', () => QueryParams.parse('Flag=yes').bool('Flag'), "Value 'yes' at 'flag' is not a valid boolean"],
    [
      'Names.member.x=1',
      () => QueryParams.parse('Names.member.x=1').list('Names'),
      "Parameter 'Names.member.x' is not a valid list member name",
    ],
  ])('%s → ValidationError in AWS wording', (_what, read, message) => {
    expect(read).toThrow(expect.objectContaining({ code: 'ValidationError', message }));
  });
});

describe('XML documents', () => {
  const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml);

  test('the namespace on the root, text escaped, undefined members left out, empty lists as empty elements', () => {
    const xml = xmlDocument('DescribeTagsResponse', 'urn:ns', {
      A: 'x < y & "z"',
      B: undefined,
      C: members([]),
      D: members(['one']),
      E: true,
      F: 7,
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeTagsResponse xmlns="urn:ns"><A>x &lt; y &amp; &quot;z&quot;</A><C></C><D><member>one</member></D><E>true</E><F>7</F></DescribeTagsResponse>',
    );
    expect(parse(xml).DescribeTagsResponse.A).toBe('x < y & "z"');
  });

  test('ELBv2 and Route 53 errors in AWS shape: ErrorResponse / Error / Type, Code, Message, then RequestId', () => {
    const err = new ApiError('TargetGroupNotFound', 'One or more target groups not found');
    expect(parse(elbv2ErrorDocument(err, 'r-1')).ErrorResponse).toEqual({
      '@_xmlns': 'https://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
      Error: { Type: 'Sender', Code: 'TargetGroupNotFound', Message: 'One or more target groups not found' },
      RequestId: 'r-1',
    });
    const r53 = parse(
      route53ErrorDocument(new ApiError('NoSuchHostedZone', 'No hosted zone found with ID: Z1', 404), 'r-2'),
    );
    expect(r53.ErrorResponse['@_xmlns']).toBe('https://route53.amazonaws.com/doc/2013-04-01/');
    expect(r53.ErrorResponse.Error.Code).toBe('NoSuchHostedZone');
  });
});

describe('Route 53 change batches', () => {
  test('one change with one value still parses as lists; alias and routing fields are read', () => {
    const body =
      '<?xml version="1.0"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Comment>c &amp; d</Comment><Changes>' +
      '<Change><Action>UPSERT</Action><ResourceRecordSet><Name>www.example.com.</Name><Type>A</Type><SetIdentifier>p</SetIdentifier><Failover>PRIMARY</Failover><AliasTarget><HostedZoneId>Z35SXDOTRQ7X7K</HostedZoneId><DNSName>lb.example.</DNSName><EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget><HealthCheckId>hc</HealthCheckId></ResourceRecordSet></Change>' +
      '<Change><Action>CREATE</Action><ResourceRecordSet><Name>t.example.com.</Name><Type>TXT</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>"a b"</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change>' +
      '</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>';
    expect(parseChangeBatch(body)).toEqual({
      comment: 'c & d',
      changes: [
        {
          action: 'UPSERT',
          record: {
            name: 'www.example.com.',
            type: 'A',
            setIdentifier: 'p',
            failover: 'PRIMARY',
            weight: undefined,
            ttl: undefined,
            resourceRecords: undefined,
            aliasTarget: { hostedZoneId: 'Z35SXDOTRQ7X7K', dnsName: 'lb.example.', evaluateTargetHealth: true },
            healthCheckId: 'hc',
          },
        },
        {
          action: 'CREATE',
          record: expect.objectContaining({
            name: 't.example.com.',
            type: 'TXT',
            ttl: 300,
            resourceRecords: ['"a b"'],
          }),
        },
      ],
    });
  });

  test.each([
    [
      'another root element',
      '<ListHostedZonesRequest/>',
      'Invalid request: expected ChangeResourceRecordSetsRequest, got ListHostedZonesRequest',
    ],
    [
      'an unknown action',
      '<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>MOVE</Action></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>',
      "Invalid request: Action must be CREATE, DELETE or UPSERT, got 'MOVE'",
    ],
    [
      'geolocation routing',
      '<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>CREATE</Action><ResourceRecordSet><Name>a.</Name><Type>A</Type><GeoLocation><CountryCode>DE</CountryCode></GeoLocation></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>',
      'Invalid request: GeoLocation routing is not simulated',
    ],
  ])('%s is InvalidInput', (_what, body, message) => {
    expect(() => parseChangeBatch(body)).toThrow(expect.objectContaining({ code: 'InvalidInput', message }));
  });
});
