// The appointment book: schedules, a day's slots, bookings, the calendar.
import { get, put, post, patch } from '../api.js'

export const schedule = (doctorId) => get(`/schedule/${doctorId}`)
export const saveSchedule = (doctorId, weekly, exceptions) => put(`/schedule/${doctorId}`, { weekly, exceptions })
export const daySlots = (doctorId, date) => get('/slots', { doctor_id: doctorId, date })
export const calendar = (query) => get('/appointment', query)
export const bookAppointment = (patientId, body, idempotencyKey) => post(`/patient/${patientId}/appointments`, body, { idempotencyKey })
export const changeAppointment = (id, body) => patch(`/appointment/${id}`, body)
export const patientAppointments = (patientId) => get(`/patient/${patientId}/appointments`)
export const reminderSettings = () => get('/reminder/settings')
export const saveReminderSettings = (body) => put('/reminder/settings', body)
export const reminderOutbox = (query) => get('/reminder/outbox', query)
