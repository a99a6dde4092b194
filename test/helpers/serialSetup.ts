// The serial groups run their files one after another in one process (vitest's singleFork). Each file loads src/
// afresh, but packages from node_modules are loaded once: the schema's own Pothos plugin (src/schema/authorization.ts)
// would then register twice with the one SchemaBuilder class. Pothos allows that for exactly this case.
import SchemaBuilder from '@pothos/core';

SchemaBuilder.allowPluginReRegistration = true;
