// Visits: bookings and arrivals of a patient, with their amounts.
import { get, post, patch } from '../api.js'

export const patientVisits = (id) => get(`/patient/${id}/visits`)
export const createVisit = (id, body, idempotencyKey) => post(`/patient/${id}/visits`, body, { idempotencyKey })
export const updateVisit = (id, body) => patch(`/visit/${id}`, body)
