/** Every role the one entry point can start. */
export const ROLES = ['all', 'ingest', 'clustering', 'modeling', 'generator', 'receiver'] as const;
export type Role = (typeof ROLES)[number];

export class RoleError extends Error {}

/**
 * The role from the command line (`--role <role>` or `--role=<role>`), else `T2T_ROLE`, else
 * `all`. The command line wins so the same image can be started as any service.
 */
export function parseRole(argv: readonly string[], envRole: string | undefined): Role {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--role') value = argv[i + 1];
    else if (argv[i].startsWith('--role=')) value = argv[i].slice('--role='.length);
  }
  value = (value ?? envRole ?? 'all').trim();
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new RoleError(`unknown role "${value}": use one of ${ROLES.join(', ')}`);
  }
  return value as Role;
}
