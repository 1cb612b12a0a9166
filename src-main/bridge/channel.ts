import type { z } from 'zod';

/** One request/response channel: main validates the request with it, and the types come from it. */
export const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({ request, response });
