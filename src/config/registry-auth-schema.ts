/**
 * Config for issue 13 item 6: digest authentication of the ZooKeeper session (`registry.auth`)
 * and the ACLs of the nodes the sidecar creates (`registry.acl`). Checked again by the
 * ZooKeeper backend, which reads the password file; docs/security.md, "ZooKeeper ACLs".
 */
import { z } from 'zod';

const permission = z.enum(['read', 'write', 'create', 'delete', 'admin']);

export const registryAuthSchema = z
  .object({
    scheme: z.literal('digest').default('digest').describe('ZooKeeper\'s auth scheme: `digest` (user name and password), the one Dubbo\'s and SOFARPC\'s ZooKeeper registries use.'),
    username: z
      .string()
      .regex(/^[^:\s]+$/, 'a name without ":" or spaces')
      .describe('The digest user (Dubbo\'s `username` on the registry address). Example: `pmesh`'),
    passwordFile: z
      .string()
      .min(1)
      .describe('File holding the password (one trailing newline ignored), read at start and never logged; Dubbo\'s `password`, kept out of the config file. Example: `/etc/pmesh/zk-password`'),
  })
  .strict()
  .optional()
  .describe('`type: zookeeper`: the session authenticates with this digest identity, and the nodes the sidecar creates get ACLs (`acl`) instead of ZooKeeper\'s open default. Absent: no auth, open nodes.');

export const registryAclSchema = z
  .object({
    world: z
      .array(permission)
      .max(5)
      .default(['read'])
      .describe('What everyone (`world:anyone`) may do on the provider and consumer nodes the sidecar registers; the `auth` user always has every right. `read` lets plain Java Dubbo and SOFARPC consumers without credentials find the providers.'),
    worldOnParents: z
      .array(permission)
      .max(5)
      .default(['read', 'create'])
      .describe('What everyone may do on the folders the sidecar creates (root, service, `providers`, `consumers`). `create` lets apps without credentials register beside the sidecar; without `delete` nobody else can delete the sidecar\'s nodes (ZooKeeper checks deletes on the parent).'),
  })
  .strict()
  .optional()
  .describe('`type: zookeeper` with `auth`: the ACLs of the nodes the sidecar creates. Nodes that already exist keep theirs.');
