/** Value shapes the config schemas share. */
import { z } from 'zod';

/** A duration in milliseconds. */
export const positiveMs = z.number().int().positive();
/** A share, 0 to 100. */
export const percent = z.number().min(0).max(100);
