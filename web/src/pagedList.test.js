import { describe, expect, it } from 'vitest'
import { usePagedList } from './pagedList.js'

describe('usePagedList', () => {
  it('asks for the page and page size, and holds the rows and count', async () => {
    const asked = []
    const list = usePagedList(async (paging) => {
      asked.push(paging)
      return { patient_data: [{ id: '1' }], count: 41 }
    })
    list.page.value = 3
    await list.load()
    expect(asked).toEqual([{ page: 3, per_page: 30 }])
    expect(list.rows.value).toEqual([{ id: '1' }])
    expect(list.total.value).toBe(41)
    expect(list.loading.value).toBe(false)
    await list.search()
    expect(asked[1]).toEqual({ page: 1, per_page: 30 })
  })

  it('keeps the newer answer when an older one arrives last', async () => {
    const answers = []
    const list = usePagedList((paging) => new Promise((resolve) => answers.push(() => resolve({ patient_data: [paging.page], count: 1 }))))
    const first = list.load()
    list.page.value = 2
    const second = list.load()
    answers[1]()
    await second
    answers[0]()
    await first
    expect(list.rows.value).toEqual([2])
    expect(list.loading.value).toBe(false)
  })
})
