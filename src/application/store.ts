/**
 * The database handle every use case takes. The API holds one only to pass it to use cases (it reads
 * and writes nothing through it itself), so it names the type from here, not from `persistence/`.
 */
export type { Db } from '../persistence/database.js';
