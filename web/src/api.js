// The one way the console talks to the server: the v1 API with the token in
// the Authorization header (never in a URL), errors as ApiError with the
// contract's stateCode, and the 42001 → refresh → retry flow done once for
// every request waiting on it.

export const API_PREFIX = '/back_end/api/v1'
const TOKEN_KEY = 'crm.token'

export class ApiError extends Error {
  constructor(code, message) {
    super(message)
    this.code = code
  }
}

// Codes after which the session is over: the token is invalid, revoked or
// absent, or the account is disabled.
const SESSION_ENDED = new Set([40014, 41001, 46006])

let token = localStorage.getItem(TOKEN_KEY) || ''
let refreshing = null
let onSessionEnded = () => {}

export function hasToken() {
  return token !== ''
}

export function setToken(value) {
  token = value || ''
  if (token) localStorage.setItem(TOKEN_KEY, token)
  else localStorage.removeItem(TOKEN_KEY)
}

// The layout installs what happens when the session ends (back to login).
export function whenSessionEnds(handler) {
  onSessionEnded = handler
}

// A key for the Idempotency-Key header: a retried registration is stored
// once. getRandomValues works on plain-http LAN addresses, randomUUID not.
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

// queryString drops empty values: an empty filter means no filter.
export function queryString(query) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue
    params.append(key, String(value))
  }
  const text = params.toString()
  return text ? '?' + text : ''
}

async function send(method, path, { query, body, idempotencyKey, file } = {}) {
  const headers = {}
  if (token) headers.Authorization = 'Bearer ' + token
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey
  let payload
  if (body instanceof FormData) {
    payload = body
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let response
  try {
    response = await fetch(API_PREFIX + path + queryString(query), { method, headers, body: payload })
  } catch {
    throw new ApiError(0, '无法连接服务器，请检查网络')
  }
  const type = response.headers.get('Content-Type') || ''
  if (file && response.ok && !type.startsWith('application/json')) {
    return { blob: await response.blob(), filename: filenameOf(response) }
  }
  let data
  try {
    data = await response.json()
  } catch {
    throw new ApiError(response.status, `服务器返回了无法识别的响应（HTTP ${response.status}）`)
  }
  if (data && typeof data.stateCode === 'number') throw new ApiError(data.stateCode, data.message)
  if (!response.ok) throw new ApiError(response.status, `请求失败（HTTP ${response.status}）`)
  return data
}

function filenameOf(response) {
  const disposition = response.headers.get('Content-Disposition') || ''
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(disposition)
  if (utf8) return decodeURIComponent(utf8[1])
  const plain = /filename="?([^";]+)"?/i.exec(disposition)
  return plain ? plain[1] : 'download'
}

async function refresh() {
  if (!refreshing) {
    const presented = token
    refreshing = send('PATCH', '/token', { body: { token: presented } })
      .then((data) => setToken(data.token))
      .finally(() => { refreshing = null })
  }
  return refreshing
}

export async function api(method, path, options = {}) {
  try {
    return await send(method, path, options)
  } catch (error) {
    if (error.code === 42001 && token) {
      try {
        await refresh()
      } catch (refreshError) {
        endSession(refreshError)
        throw refreshError
      }
      try {
        return await send(method, path, options)
      } catch (retryError) {
        if (SESSION_ENDED.has(retryError.code)) endSession(retryError)
        throw retryError
      }
    }
    if (SESSION_ENDED.has(error.code) && path !== '/token') endSession(error)
    throw error
  }
}

function endSession(error) {
  setToken('')
  onSessionEnded(error)
}

export const get = (path, query) => api('GET', path, { query })
export const post = (path, body, options = {}) => api('POST', path, { body, ...options })
export const patch = (path, body) => api('PATCH', path, { body })
export const put = (path, body) => api('PUT', path, { body })
export const del = (path) => api('DELETE', path)

// download fetches a file with the header token and hands it to the browser.
export async function download(path, query) {
  const { blob, filename } = await api('GET', path, { query, file: true })
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
  return filename
}
