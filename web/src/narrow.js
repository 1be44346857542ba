// The screen's width classes. useNarrow is true on a phone (under 640
// px), where lists show cards instead of tables; useWide on a screen wide
// enough for every column of a list (1600 px and more). Both follow the
// window as it turns or is resized.
import { onBeforeUnmount, ref } from 'vue'

export const NARROW_QUERY = '(max-width: 639px)'
export const WIDE_QUERY = '(min-width: 1600px)'

function useMedia(query) {
  const media = window.matchMedia(query)
  const matches = ref(media.matches)
  const follow = (e) => { matches.value = e.matches }
  media.addEventListener('change', follow)
  onBeforeUnmount(() => media.removeEventListener('change', follow))
  return matches
}

export const useNarrow = () => useMedia(NARROW_QUERY)
export const useWide = () => useMedia(WIDE_QUERY)
