import { v4 as uuidv4 } from 'uuid';

/** A new random (v4) UUID, used for messageId and dialogRequestId. */
export function newId(): string {
  return uuidv4();
}
