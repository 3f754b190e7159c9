/**
 * One throw-away Redis for a whole test file: started before the file's
 * first test; after its last, every process the tests spawned is killed and
 * the server stopped. The object stands for the server from the start, so
 * a file declares it once at the top and reads `url` inside its tests.
 */
import { after, before } from 'node:test';
import { killAll } from './processes.ts';
import { type RedisServer, startRedis } from './redis.ts';

export function redisForFile(): RedisServer {
  let current: RedisServer | undefined;
  before(async () => {
    current = await startRedis();
  });
  after(async () => {
    await killAll();
    await current?.stop();
  });
  const server = (): RedisServer => {
    if (!current)
      throw new Error('the test Redis starts before the first test');
    return current;
  };
  return {
    get url() {
      return server().url;
    },
    get port() {
      return server().port;
    },
    get running() {
      return server().running;
    },
    get pid() {
      return server().pid;
    },
    stop: () => server().stop(),
    kill: () => server().kill(),
    restart: (downMs?: number) => server().restart(downMs),
  };
}
