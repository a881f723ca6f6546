// The node's public read API (docs/API-CONTRACT.md), same origin.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(path, kind) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 20000);
  let res;
  try {
    res = await fetch(path, { signal: ctrl.signal, headers: { Accept: kind === 'text' ? 'text/plain' : 'application/json' } });
  } catch (e) {
    throw new ApiError(0, 'network', ctrl.signal.aborted ? '网络超时，请稍后再试' : '网络连接失败，请检查网络后重试');
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = `服务器返回错误 ${res.status}`;
    try {
      const body = await res.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch {
      /* not JSON */
    }
    if (res.status === 404) message = `未找到：${message}`;
    if (res.status === 429) message = '访问过于频繁，请稍等几秒再试';
    throw new ApiError(res.status, code, message);
  }
  if (kind === 'text') return res.text();
  try {
    return await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_json', '服务器返回的数据无法解析');
  }
}

const enc = encodeURIComponent;
const cache = new Map();

function cached(key, fn) {
  if (!cache.has(key)) {
    const p = fn().catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, p);
  }
  return cache.get(key);
}

export const api = {
  log: () => request('/v1/log'),
  checkpoint: () => request('/v1/checkpoint', 'text'),
  regions: () => cached('regions', () => request('/v1/regions')),
  flows: (code, after) => request(`/v1/regions/${enc(code)}/flows${after != null ? `?after=${enc(after)}` : ''}`),
  fund: (id, after) => request(`/v1/funds/${enc(id)}/trace${after != null ? `?after=${enc(after)}` : ''}`),
  project: (id) => request(`/v1/projects/${enc(id)}`),
  household: (ref, after) => request(`/v1/households/${enc(ref)}?limit=200${after != null ? `&after=${enc(after)}` : ''}`),
  inclusion: (seq) => request(`/v1/proof/inclusion?seq=${enc(seq)}`),
  entry: (seq) => request(`/v1/entries/${enc(seq)}?proof=true`),
  consistency: (from) => request(`/v1/proof/consistency?from=${enc(from)}`),
  search: (q) => request(`/v1/search?q=${enc(q)}`),
  // The policy's procedures (issue 12): notices with windows, registered
  // households, objections.
  notices: (code, before) => request(`/v1/regions/${enc(code)}/notices${before != null ? `?before=${enc(before)}` : ''}`),
  notice: (id) => request(`/v1/notices/${enc(id)}`),
  households: (code, after) => request(`/v1/regions/${enc(code)}/households${after != null ? `?after=${enc(after)}` : ''}`),
  objections: (code, before) => request(`/v1/regions/${enc(code)}/objections${before != null ? `?before=${enc(before)}` : ''}`),
  // The project library and idle money (issue 13).
  projects: (code, after) => request(`/v1/regions/${enc(code)}/projects${after != null ? `?after=${enc(after)}` : ''}`),
  idle: (code, after) => request(`/v1/regions/${enc(code)}/idle${after != null ? `?after=${enc(after)}` : ''}`),
};
