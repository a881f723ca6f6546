// The node's public read API (docs/API-CONTRACT.md), same origin.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    // The rest of the node's error object (e.g. `count` of ambiguous_code).
    this.details = details && typeof details === 'object' ? details : {};
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
    let details;
    try {
      const body = await res.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message_zh || body.error.message || message;
        details = body.error;
      }
    } catch {
      /* not JSON */
    }
    if (res.status === 404) message = `未找到：${message}`;
    if (res.status === 429) message = '访问过于频繁，请稍等几秒再试';
    throw new ApiError(res.status, code, message, details);
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
  // 户码 (issue 15): a full 11-symbol code or a prefix of 6 to 10 symbols.
  householdByCode: (code) => request(`/v1/households/code/${enc(code)}?limit=200`),
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
  // 户名册 (issue 15): every household of a village; `q` a masked name or the start of a code.
  householdList: (code, after, q) => {
    const params = [after != null ? `after=${enc(after)}` : null, q ? `q=${enc(q)}` : null].filter(Boolean);
    return request(`/v1/regions/${enc(code)}/household-list${params.length ? `?${params.join('&')}` : ''}`);
  },
  // The log-key rotations with their endorsements, and the witness policy (issue 15).
  logKeys: () => request('/v1/log/keys'),
  witnesses: () => request('/v1/witnesses'),
  cosignedCheckpoint: () => request('/v1/checkpoint/cosigned', 'text'),
  objections: (code, before) => request(`/v1/regions/${enc(code)}/objections${before != null ? `?before=${enc(before)}` : ''}`),
  // Supervision contacts (issue 15): ledger data, nearest region first.
  contacts: (code) => cached(`contacts:${code}`, () => request(`/v1/regions/${enc(code)}/contacts`)),
  // The project library and idle money (issue 13).
  projects: (code, after) => request(`/v1/regions/${enc(code)}/projects${after != null ? `?after=${enc(after)}` : ''}`),
  idle: (code, after) => request(`/v1/regions/${enc(code)}/idle${after != null ? `?after=${enc(after)}` : ''}`),
};
