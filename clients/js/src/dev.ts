/**
 * A tokenProvider for local development: asks the gateway's dev-only `POST /v1/auth/token` (on in `./im start`, off in
 * production, where the app's own backend signs tokens with the shared secret).
 */
export function devTokenProvider(
  serverUrl: string,
  options: { userName?: string; fetch?: typeof fetch } = {},
): (userId: string) => Promise<string> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  return async (userId: string) => {
    const response = await doFetch(`${serverUrl.replace(/\/+$/, '')}/v1/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId, userName: options.userName ?? userId }),
    });
    if (!response.ok) {
      throw new Error(`dev token endpoint answered ${response.status}`);
    }
    const body = (await response.json()) as { token: string };
    return body.token;
  };
}
