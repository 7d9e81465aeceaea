/**
 * What a real ioredis client sends: the names of the commands it writes while `work` runs, observed by
 * wrapping its `sendCommand` (nothing replaced: each command still goes to the server). Tests count round
 * trips with it; observers of their own must use another connection, or their reads count too.
 */
import type { Redis } from 'ioredis';

export async function commandsSent<T>(client: Redis, work: () => Promise<T>): Promise<[T, string[]]> {
  const names: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    names.push(command.name);
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  try {
    return [await work(), names];
  } finally {
    client.sendCommand = send;
  }
}
