import type { CDPSession } from "@playwright/test";

type Response = { fromDiskCache?: boolean; fromPrefetchCache?: boolean; fromServiceWorker?: boolean };

/**
 * What the page downloads while `action` runs: the bytes on the wire (compressed, headers included), the paths
 * of the requests the network answered (a revalidation counts; an answer from the browser's memory or disk
 * cache does not), and the paths the service worker answered (from its cache, or from the network for it).
 */
export async function network(cdp: CDPSession, action: () => Promise<unknown>) {
  const fetched = new Map<string, string>();
  const viaWorker: string[] = [];
  const fromMemory = new Set<string>();
  let bytes = 0;
  const onResponse = (event: { requestId: string; response: Response & { url: string } }) => {
    const { fromDiskCache, fromPrefetchCache, fromServiceWorker, url } = event.response;
    const cached = fromDiskCache || fromPrefetchCache || fromServiceWorker || fromMemory.has(event.requestId);
    if (!cached && url.startsWith("http")) fetched.set(event.requestId, new URL(url).pathname);
    if (fromServiceWorker) viaWorker.push(new URL(url).pathname);
  };
  const onCached = (event: { requestId: string }) => fromMemory.add(event.requestId);
  const onFinished = (event: { encodedDataLength: number }) => (bytes += event.encodedDataLength);
  cdp.on("Network.responseReceived", onResponse);
  cdp.on("Network.requestServedFromCache", onCached);
  cdp.on("Network.loadingFinished", onFinished);
  await action();
  cdp.off("Network.responseReceived", onResponse);
  cdp.off("Network.requestServedFromCache", onCached);
  cdp.off("Network.loadingFinished", onFinished);
  return { bytes, paths: [...fetched.values()], viaWorker };
}
