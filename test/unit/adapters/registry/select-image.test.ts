import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  listNames,
  selectImage,
} from '../../../../lib/adapters/registry/select-image.js';
import { ConfigError, RegistryError } from '../../../../lib/engine/errors.js';

const SOURCE = 'oci:./layout';

function candidate(id: string, ...names: string[]): Candidate<string> {
  return { names, id, value: id };
}

const TAGGED = [
  candidate('sha256:a', '1.0'),
  candidate('sha256:b', 'docker.io/library/app:2.0'),
  candidate('sha256:c', 'app:3.0', 'docker.io/library/app:3.0'),
];

describe('selectImage', () => {
  it.each([
    { reference: '1.0', id: 'sha256:a', rule: 'an exact name' },
    { reference: 'app:2.0', id: 'sha256:b', rule: 'a normalized name' },
    { reference: 'library/app:2.0', id: 'sha256:b', rule: 'a normalized name' },
    { reference: '2.0', id: 'sha256:b', rule: 'the tag of a full name' },
    { reference: 'app:3.0', id: 'sha256:c', rule: 'an exact repo:tag' },
    { reference: '3.0', id: 'sha256:c', rule: 'the tag of repo:tag' },
  ])('selects $reference by $rule', ({ reference, id }) => {
    // Act
    const selected = selectImage(TAGGED, reference, SOURCE);
    // Assess
    expect(selected.id).toBe(id);
  });

  it('selects the only image when no reference is given', () => {
    // Act
    const selected = selectImage([candidate('sha256:a')], '', SOURCE);
    // Assess
    expect(selected.id).toBe('sha256:a');
  });

  it('treats several entries of one digest as one image', () => {
    // Prepare
    const list = [candidate('sha256:a', '1.0'), candidate('sha256:a', '1')];
    // Act
    const selected = selectImage(list, '', SOURCE);
    // Assess
    expect(selected.id).toBe('sha256:a');
  });

  it('asks for a tag when there are several images and none was named', () => {
    // Act
    const act = () => selectImage(TAGGED, '', SOURCE);
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      'oci:./layout holds 3 images (1.0, docker.io/library/app:2.0, app:3.0, docker.io/library/app:3.0): name one, e.g. oci:./layout:1.0'
    );
  });

  it('lists the available names when the reference names nothing', () => {
    // Act
    const act = () => selectImage(TAGGED, '9.9', SOURCE);
    // Assess
    expect(act).toThrow(RegistryError);
    expect(act).toThrow(
      expect.objectContaining({
        code: 'not-found',
        message:
          'no image named "9.9" in oci:./layout; it holds 1.0, docker.io/library/app:2.0, app:3.0, docker.io/library/app:3.0',
      })
    );
  });

  it('refuses a tag that several repositories share', () => {
    // Prepare
    const list = [
      candidate('sha256:a', 'web:1.0'),
      candidate('sha256:b', 'api:1.0'),
    ];
    // Act
    const act = () => selectImage(list, '1.0', 'docker-archive:all.tar');
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      '"1.0" names several images in docker-archive:all.tar (web:1.0, api:1.0): give the full name'
    );
  });

  it('prefers an exact name over a tag match', () => {
    // Prepare
    const list = [candidate('sha256:a', 'x:1.0'), candidate('sha256:b', '1.0')];
    // Act
    const selected = selectImage(list, '1.0', SOURCE);
    // Assess
    expect(selected.id).toBe('sha256:b');
  });

  it('says so when the source is empty', () => {
    // Act
    const act = () => selectImage([], '', SOURCE);
    // Assess
    expect(act).toThrow(
      new ConfigError(
        'oci:./layout holds no images: write an image into it first'
      )
    );
  });

  it('names unnamed images by id and cuts long lists short', () => {
    // Prepare
    const many = Array.from({ length: 25 }, (_, i) => candidate(`sha256:${i}`));
    // Act
    const text = listNames(many);
    // Assess
    expect(text.startsWith('sha256:0, sha256:1,')).toBe(true);
    expect(text.endsWith('sha256:19 and 5 more')).toBe(true);
  });
});
