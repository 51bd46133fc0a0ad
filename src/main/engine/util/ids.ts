import { v7 as uuidv7, validate, version } from 'uuid';

/** Public ids are UUIDv7: time-ordered, so ids sort the way rows were created. */
export function newId(): string {
  return uuidv7();
}

export function isUuid(value: string): boolean {
  return validate(value) && version(value) !== 0;
}
