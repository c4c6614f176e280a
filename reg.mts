import { startRegistry } from './test/support/registry.ts';

const r = await startRegistry({
  storageDir: '/work/main/.cache/bench/registry',
});
console.log(r.host);
for (const repo of ['bench/small', 'bench/big']) {
  const h = await fetch(`${r.baseUrl}/v2/${repo}/manifests/1`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  console.log(repo, h.status);
}
await new Promise((res) => setTimeout(res, 1_200_000));
await r.stop();
