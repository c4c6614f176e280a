import { describe, expect, it } from 'vitest';
import {
  attributeText,
  buildMessageAttributes,
  publishSize,
} from '../../../../lib/engine/notify/attributes.js';
import {
  binaryFinding,
  DIGEST,
  makeRecord,
  missingPlatform,
  REGISTRY,
} from '../../../support/notify-records.js';

describe('buildMessageAttributes', () => {
  it('gives subscribers every attribute they filter on', () => {
    // Prepare
    const record = makeRecord({
      findings: [
        binaryFinding(),
        missingPlatform(),
        binaryFinding({ kind: 'isa-level-mismatch', severity: 'warning' }),
      ],
      regression: {
        lostPlatforms: ['linux/arm64'],
        newFindings: [],
        previousScanId: 'p',
      },
    });

    // Act
    const attributes = buildMessageAttributes(record, '{"v":1}');

    // Assess
    expect(attributes).toEqual({
      repository: {
        DataType: 'String',
        StringValue: `${REGISTRY}/team/my-api`,
      },
      registry: { DataType: 'String', StringValue: REGISTRY },
      status: { DataType: 'String', StringValue: 'fail' },
      severity: { DataType: 'String', StringValue: 'error' },
      findingKinds: {
        DataType: 'String.Array',
        StringValue:
          '["missing-platform","binary-arch-mismatch","isa-level-mismatch"]',
      },
      regression: { DataType: 'String', StringValue: 'yes' },
      scanId: {
        DataType: 'String',
        StringValue: `2026-03-01T12:00:00.000Z#${DIGEST}`,
      },
      scan: { DataType: 'String', StringValue: '{"v":1}' },
    });
  });

  it.each([
    [makeRecord(), 'pass', 'none', '[]', 'no'],
    [
      makeRecord({ findings: [binaryFinding({ severity: 'warning' })] }),
      'fail',
      'warning',
      '["binary-arch-mismatch"]',
      'no',
    ],
    [
      makeRecord({ status: 'error', error: { code: 'auth', message: 'x' } }),
      'error',
      'none',
      '[]',
      'no',
    ],
  ])(
    '%#: status %s, severity %s, kinds %s',
    (record, status, severity, kinds, regression) => {
      // Act
      const attributes = buildMessageAttributes(record, '{}');

      // Assess
      expect(attributes.status?.StringValue).toBe(status);
      expect(attributes.severity?.StringValue).toBe(severity);
      expect(attributes.findingKinds?.StringValue).toBe(kinds);
      expect(attributes.regression?.StringValue).toBe(regression);
    }
  );
});

describe('attributeText', () => {
  it.each([
    ['plain', 'plain'],
    ['tab\tand\nnewline', 'tab\tand\nnewline'],
    ['bell\u0007', 'bell'],
    ['lone\uD800half', 'lonehalf'],
    ['emoji 😀 stays', 'emoji 😀 stays'],
    ['\u0000', '-'],
    ['', '-'],
  ])('%j → %j', (input, expected) => {
    expect(attributeText(input)).toBe(expected);
  });
});

describe('publishSize', () => {
  it('counts message, subject and every attribute name, type and value in UTF-8 bytes', () => {
    // Act
    const size = publishSize(
      'é',
      { ab: { DataType: 'String', StringValue: 'xyz' } },
      'S'
    );

    // Assess: 2 (é) + 1 + 2 + 6 + 3
    expect(size).toBe(14);
  });
});
