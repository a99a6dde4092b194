// Every problem found, by line: the rule it breaks and what is wrong, in our words or the API's.
import { Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { RowProblem } from './problems';

/** A file with thousands of bad rows is still shown quickly; the count says how many more there are. */
const SHOWN = 200;

export function ProblemsTable({ problems, caption }: { problems: RowProblem[]; caption: string }) {
  const translate = useTranslate();
  const number = new Intl.NumberFormat();
  const text = (problem: RowProblem) => problem.message ?? translate(`postflow.import.rules.${problem.rule}`, { _: problem.rule, ...problem.args });
  return (
    <TableContainer>
      <Table size="small" data-testid="import-problems">
        <caption>{caption}</caption>
        <TableHead>
          <TableRow>
            <TableCell scope="col">{translate('postflow.import.line')}</TableCell>
            <TableCell scope="col">{translate('postflow.import.rule')}</TableCell>
            <TableCell scope="col">{translate('postflow.import.problem')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {problems.slice(0, SHOWN).map((problem, i) => (
            <TableRow key={i}>
              <TableCell component="th" scope="row">
                {problem.line === null ? '' : number.format(problem.line)}
              </TableCell>
              <TableCell>
                <code>{problem.column ? `${problem.column}: ${problem.rule}` : problem.rule}</code>
              </TableCell>
              <TableCell>{text(problem)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {problems.length > SHOWN && <Typography sx={{ mt: 1 }}>{translate('postflow.import.problemsMore', { count: number.format(problems.length - SHOWN) })}</Typography>}
    </TableContainer>
  );
}
