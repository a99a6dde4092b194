// The inputs of a network's fields (networkFields.ts) under a prefix: credentials.<name> or account.<name>. Secrets
// are password inputs; nothing the server stores is ever read back into them.
import { TextInput, required, useTranslate } from 'react-admin';
import type { NetworkField } from './networkFields';

export function NetworkFieldInputs({ fields, prefix, optionalAll = false }: { fields: NetworkField[]; prefix: string; optionalAll?: boolean }) {
  const translate = useTranslate();
  return (
    <>
      {fields.map((field) => (
        <TextInput
          key={field.name}
          source={`${prefix}.${field.name}`}
          label={translate(`postflow.channels.field.${field.name}`)}
          helperText={translate(`postflow.channels.fieldHelp.${field.name}`, { _: '' }) || false}
          type={field.secret ? 'password' : field.number ? 'number' : 'text'}
          autoComplete="off"
          validate={field.required && !optionalAll ? required() : undefined}
          fullWidth
        />
      ))}
    </>
  );
}
