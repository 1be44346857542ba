// useNarrow is true on a phone-sized screen (under 640 px wide), where
// lists show cards instead of tables; it follows the window as it turns.
import { onBeforeUnmount, ref } from 'vue'

export const NARROW_QUERY = '(max-width: 639px)'

export function useNarrow() {
  const media = window.matchMedia(NARROW_QUERY)
  const narrow = ref(media.matches)
  const follow = (e) => { narrow.value = e.matches }
  media.addEventListener('change', follow)
  onBeforeUnmount(() => media.removeEventListener('change', follow))
  return narrow
}
