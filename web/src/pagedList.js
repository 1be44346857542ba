// usePagedList is a paged list's state — rows, total, page, page size,
// loading — and its load/search: the pool, the recycle bin and the
// follow-up list page the same way. fetchPage({ page, per_page }) returns
// the API's page envelope; rowsOf picks its rows.
import { ref } from 'vue'
import { attempt } from './feedback.js'
import { session } from './session.js'

export function usePagedList(fetchPage, rowsOf = (data) => data.patient_data) {
  const rows = ref([])
  const total = ref(null) // unknown until the first page arrives
  const page = ref(1)
  // The clinic's page size (参数设置), asked for explicitly so the pager agrees.
  const perPage = ref(session.settings.defaultPageSize)
  const loading = ref(false)
  let latest = 0

  async function load() {
    const ticket = ++latest
    loading.value = true
    await attempt(async () => {
      const data = await fetchPage({ page: page.value, per_page: perPage.value })
      // A slower answer to an older filter must not overwrite a newer one.
      if (ticket !== latest) return
      rows.value = rowsOf(data)
      total.value = data.count
    })
    if (ticket === latest) loading.value = false
  }

  function search() {
    page.value = 1
    return load()
  }

  return { rows, total, page, perPage, loading, load, search }
}
