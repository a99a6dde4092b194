// Test files share their process with the files before them (isolate: false; the serial groups' singleFork too), so
// src/ and its packages load once per process: the schema's own Pothos plugin (src/schema/authorization.ts) would
// register again with the one SchemaBuilder class wherever a module is loaded afresh. Pothos allows that for exactly
// this case.
import SchemaBuilder from '@pothos/core';

SchemaBuilder.allowPluginReRegistration = true;
