// Follow-ups (回访): a patient's record of contacts and who is due a call.
import { get, post } from '../api.js'

export const dueFollowups = (query) => get('/followup/due', query)
export const patientFollowups = (id, query) => get(`/patient/${id}/followups`, query)
export const recordFollowup = (id, body, idempotencyKey) => post(`/patient/${id}/followups`, body, { idempotencyKey })
