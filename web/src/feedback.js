// How failures reach the user: the server's message as a toast, with the
// permission case spelled out. Every call a screen makes goes through
// attempt, so no failure is silent and none escapes as an unhandled error.
import { ElMessage, ElMessageBox } from 'element-plus'

export function showError(error) {
  if (!error || error.code === 'cancel') return
  let text = error.message || '操作失败'
  if (error.code === 48001) text = '没有权限执行此操作（48001）'
  else if (error.code === 46001) text = '记录不存在或不在您的权限范围内'
  else if (error.code === 45011) text = '操作过于频繁，请稍后再试'
  else if (error.code === 50002) text = '数据库暂时不可用，请稍后再试'
  ElMessage({ type: 'error', message: text, grouping: true })
}

export function showSuccess(text) {
  ElMessage({ type: 'success', message: text, grouping: true })
}

// attempt runs an async action and shows its failure; it returns
// undefined when the action failed.
export async function attempt(action, success) {
  try {
    const result = await action()
    if (success) showSuccess(success)
    return result ?? true
  } catch (error) {
    showError(error)
    return undefined
  }
}

// confirmed asks before something that cannot be undone.
export async function confirmed(text, title = '请确认') {
  try {
    await ElMessageBox.confirm(text, title, { type: 'warning', confirmButtonText: '确定', cancelButtonText: '取消' })
    return true
  } catch {
    return false
  }
}
