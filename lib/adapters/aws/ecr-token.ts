/**
 * Amazon ECR registry tokens through the SDK (`ecr:GetAuthorizationToken`),
 * handed to `EcrAuth` as a plain function so the registry client never
 * imports the SDK (STYLE §3). One token covers every registry the caller
 * can read; it is valid for 12 hours.
 */
import {
  type ECRClient,
  GetAuthorizationTokenCommand,
  type GetAuthorizationTokenCommandOutput,
} from '@aws-sdk/client-ecr';
import { RegistryError } from '../../engine/errors.js';

export interface EcrToken {
  readonly token: string;
  readonly expiresAt: Date;
  readonly proxyEndpoint: string;
}

/** A token fetcher bound to `client`. */
export function ecrTokenFetcher(client: ECRClient): () => Promise<EcrToken> {
  return async () => {
    let output: GetAuthorizationTokenCommandOutput;
    try {
      output = await client.send(new GetAuthorizationTokenCommand({}));
    } catch (error) {
      throw new RegistryError(
        `cannot get an Amazon ECR token (does the role allow ecr:GetAuthorizationToken?): ${(error as Error).name}`,
        { code: 'auth', cause: error }
      );
    }
    const data = output.authorizationData?.[0];
    if (!data?.authorizationToken || !data.expiresAt) {
      throw new RegistryError('Amazon ECR returned no authorization token', {
        code: 'auth',
      });
    }
    return {
      token: data.authorizationToken,
      expiresAt: data.expiresAt,
      proxyEndpoint: data.proxyEndpoint ?? '',
    };
  };
}
