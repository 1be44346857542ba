// The administration screens' writes, one way: a new record carries an
// Idempotency-Key (a retried click stores it once), a change goes to the
// record's own address, and each asks before a delete and says how it went.
import { post, patch, del, newIdempotencyKey } from './api.js'
import { attempt, confirmed } from './feedback.js'

// saveRecord creates a record at path, or changes path/id; it answers the
// server's reply, or undefined when the save failed (the toast said why).
export function saveRecord(path, id, body, success = '已保存') {
  return attempt(() => (id ? patch(`${path}/${id}`, body) : post(path, body, { idempotencyKey: newIdempotencyKey() })), success)
}

// removeRecord deletes path/id once the user confirms; true when it did.
export async function removeRecord(path, id, question) {
  if (!(await confirmed(question))) return false
  return !!(await attempt(() => del(`${path}/${id}`), '已删除'))
}
