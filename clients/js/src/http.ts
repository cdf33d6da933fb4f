import { IMError } from './errors.js';

/** A file to upload: a browser `File`/`Blob`, or bytes with a name (Node). */
export type UploadSource = Blob | { data: Uint8Array | ArrayBuffer; fileName: string; mimeType?: string };

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface HttpDeps {
  baseUrl: string;
  fetch: typeof fetch;
  token(force: boolean): Promise<string>;
  /** Server time seen in a response (`Date` header), for the catch-up's clock. */
  observeServerTime(serverMs: number, precisionMs: number): void;
}

/** The gateway's REST API with the bearer token; a 401 fetches a fresh token from the app and tries once more. */
export class Http {
  constructor(private readonly deps: HttpDeps) {}

  async request<T>(method: string, path: string, body?: unknown, query?: Record<string, unknown>): Promise<T> {
    const url = this.url(path, query);
    let force = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.deps.token(force);
      let response: Response;
      try {
        response = await this.deps.fetch(url, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        throw new IMError('NETWORK', `${method} ${path}: ${(e as Error).message}`);
      }
      this.observe(response.headers.get('date'));
      if (response.status === 401 && attempt === 0) {
        force = true;
        continue;
      }
      const text = await response.text();
      if (!response.ok) {
        throw errorOf(response.status, text);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    }
  }

  /**
   * Multipart upload to `POST /v1/media` with progress: XMLHttpRequest in browsers (the only API that reports upload
   * progress there), fetch elsewhere (progress reported at the start and the end).
   */
  async upload<T>(
    path: string,
    source: UploadSource,
    fields: Record<string, string>,
    onProgress?: (progress: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<T> {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) {
      form.append(key, value);
    }
    let blob: Blob;
    let name: string;
    if (source instanceof Blob) {
      blob = source;
      name = (source as File).name ?? 'upload';
    } else {
      const bytes = source.data instanceof Uint8Array ? source.data : new Uint8Array(source.data);
      blob = new Blob([bytes as BlobPart], { type: source.mimeType ?? 'application/octet-stream' });
      name = source.fileName;
    }
    form.append('file', blob, name);
    const total = blob.size;
    let force = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.deps.token(force);
      const { status, text, date } =
        typeof XMLHttpRequest !== 'undefined'
          ? await xhrPost(this.url(path), token, form, onProgress, signal)
          : await this.fetchPost(this.url(path), token, form, total, onProgress, signal);
      this.observe(date);
      if (status === 401 && attempt === 0) {
        force = true;
        continue;
      }
      if (status < 200 || status >= 300) {
        throw errorOf(status, text);
      }
      return JSON.parse(text) as T;
    }
  }

  private async fetchPost(
    url: string,
    token: string,
    form: FormData,
    total: number,
    onProgress?: (progress: UploadProgress) => void,
    signal?: AbortSignal,
  ): Promise<{ status: number; text: string; date: string | null }> {
    onProgress?.({ loaded: 0, total });
    let response: Response;
    try {
      response = await this.deps.fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: form,
        signal,
      });
    } catch (e) {
      if (signal?.aborted) {
        throw new IMError('ABORTED', 'upload aborted');
      }
      throw new IMError('NETWORK', `upload: ${(e as Error).message}`);
    }
    const text = await response.text();
    if (response.ok) {
      onProgress?.({ loaded: total, total });
    }
    return { status: response.status, text, date: response.headers.get('date') };
  }

  url(path: string, query?: Record<string, unknown>): string {
    const url = new URL(path, this.deps.baseUrl.endsWith('/') ? this.deps.baseUrl : `${this.deps.baseUrl}/`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) {
        url.searchParams.set(key, String(value));
      }
    }
    return url.toString();
  }

  private observe(date: string | null): void {
    if (date) {
      const ms = Date.parse(date);
      if (!Number.isNaN(ms)) {
        this.deps.observeServerTime(ms + 500, 1000);
      }
    }
  }
}

function xhrPost(
  url: string,
  token: string,
  form: FormData,
  onProgress?: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<{ status: number; text: string; date: string | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) {
        onProgress?.({ loaded: event.loaded, total: event.total });
      }
    };
    xhr.onload = () => {
      resolve({ status: xhr.status, text: xhr.responseText, date: xhr.getResponseHeader('date') });
    };
    xhr.onerror = () => reject(new IMError('NETWORK', 'upload failed'));
    xhr.onabort = () => reject(new IMError('ABORTED', 'upload aborted'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

function errorOf(status: number, text: string): IMError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) {
      return new IMError(body.error.code, body.error.message, status);
    }
  } catch {
    // not JSON
  }
  return new IMError(status === 401 ? 'UNAUTHORIZED' : status >= 500 ? 'UNAVAILABLE' : 'HTTP_' + status, text.slice(0, 200), status);
}
