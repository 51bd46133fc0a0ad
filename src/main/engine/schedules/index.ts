// The schedules room: scheduled workflows run on their own when their schedule fires.
export { MISSED_AFTER_MS, SCHEDULE_CHECK_INTERVAL_MS, ScheduleService, scheduledInput } from './service.ts';
