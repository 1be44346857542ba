import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, get, hasToken, queryString, setToken, whenSessionEnds } from './api.js'

// A fake server: answers by method and path, records what it was sent.
function serve(handler) {
  const calls = []
  globalThis.fetch = vi.fn(async (url, init) => {
    const call = { url, method: init.method, auth: init.headers.Authorization, body: init.body && JSON.parse(init.body) }
    calls.push(call)
    await new Promise((resolve) => setTimeout(resolve, 5))
    return new Response(JSON.stringify(handler(call)), { headers: { 'Content-Type': 'application/json' } })
  })
  return calls
}

beforeEach(() => {
  setToken('old')
  whenSessionEnds(() => {})
})

describe('the 42001 flow', () => {
  it('refreshes once for every request that met an expired token, and retries each with the new one', async () => {
    const calls = serve((c) => {
      if (c.method === 'PATCH') return { token: 'new' }
      return c.auth === 'Bearer new' ? { ok: c.url } : { stateCode: 42001, message: 'token已过期' }
    })
    const answers = await Promise.all([get('/patient'), get('/dict'), get('/me')])
    expect(answers.map((a) => a.ok)).toEqual(['/back_end/api/v1/patient', '/back_end/api/v1/dict', '/back_end/api/v1/me'])
    const refreshes = calls.filter((c) => c.method === 'PATCH')
    expect(refreshes).toEqual([{ url: '/back_end/api/v1/token', method: 'PATCH', auth: 'Bearer old', body: { token: 'old' } }])
    expect(localStorage.getItem('crm.token')).toBe('new')
  })

  it('ends the session when the refresh is refused', async () => {
    serve((c) => (c.method === 'PATCH' ? { stateCode: 40014, message: 'token无效' } : { stateCode: 42001, message: 'token已过期' }))
    const ended = vi.fn()
    whenSessionEnds(ended)
    await expect(get('/patient')).rejects.toMatchObject({ code: 40014 })
    expect(ended).toHaveBeenCalledOnce()
    expect(hasToken()).toBe(false)
  })
})

describe('errors', () => {
  it('ends the session on a revoked token or a disabled account', async () => {
    for (const code of [40014, 41001, 46006]) {
      setToken('old')
      serve(() => ({ stateCode: code, message: 'x' }))
      const ended = vi.fn()
      whenSessionEnds(ended)
      await expect(get('/patient')).rejects.toBeInstanceOf(ApiError)
      expect(ended).toHaveBeenCalledOnce()
      expect(hasToken()).toBe(false)
    }
  })

  it('keeps the session on any other refusal', async () => {
    serve(() => ({ stateCode: 48001, message: '没有权限' }))
    const ended = vi.fn()
    whenSessionEnds(ended)
    await expect(get('/user')).rejects.toMatchObject({ code: 48001, message: '没有权限' })
    expect(ended).not.toHaveBeenCalled()
    expect(hasToken()).toBe(true)
  })
})

describe('queryString', () => {
  it('drops empty values and never carries the token', () => {
    expect(queryString({ q: '张', state: '', page: 2, doctor_id: 0, x: null })).toBe('?q=%E5%BC%A0&page=2&doctor_id=0')
    expect(queryString({})).toBe('')
  })
})
