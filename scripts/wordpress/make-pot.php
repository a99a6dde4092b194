<?php
/**
 * Writes the plugin's languages/postflow.pot from its gettext calls (no wp-cli here): PHP files through PHP's own
 * tokenizer, the editor panel's JavaScript by pattern (its calls are plain __( '...', 'postflow' ) / sprintf).
 *   php scripts/wordpress/make-pot.php <plugin dir> [--check]
 * --check compares with the file on disk (the creation date aside) and exits 1 when it is out of date.
 */

$dir   = rtrim( $argv[1] ?? '', '/' );
$check = in_array( '--check', $argv, true );
if ( '' === $dir || ! is_dir( $dir ) ) {
	fwrite( STDERR, "usage: php make-pot.php <plugin dir> [--check]\n" );
	exit( 2 );
}

// function name => positions of (singular, plural, context) among its arguments.
$keywords = array(
	'__'         => array( 0, null, null ),
	'_e'         => array( 0, null, null ),
	'esc_html__' => array( 0, null, null ),
	'esc_html_e' => array( 0, null, null ),
	'esc_attr__' => array( 0, null, null ),
	'esc_attr_e' => array( 0, null, null ),
	'_x'         => array( 0, null, 1 ),
	'_n'         => array( 0, 1, null ),
);

$entries = array();
$add     = function ( $msgid, $plural, $context, $reference, $comment ) use ( &$entries ) {
	$key = ( null === $context ? '' : $context . "\x04" ) . $msgid;
	if ( ! isset( $entries[ $key ] ) ) {
		$entries[ $key ] = array( 'msgid' => $msgid, 'plural' => $plural, 'context' => $context, 'refs' => array(), 'comments' => array() );
	}
	$entries[ $key ]['refs'][] = $reference;
	if ( $comment ) {
		$entries[ $key ]['comments'][ $comment ] = true;
	}
};

$files = new RecursiveIteratorIterator( new RecursiveDirectoryIterator( $dir, FilesystemIterator::SKIP_DOTS ) );
$paths = array();
foreach ( $files as $file ) {
	$relative = substr( $file->getPathname(), strlen( $dir ) + 1 );
	if ( preg_match( '#^(tests|vendor|node_modules)/#', $relative ) ) {
		continue;
	}
	if ( preg_match( '/\.(php|js)$/', $relative ) ) {
		$paths[] = $relative;
	}
}
sort( $paths );

foreach ( $paths as $relative ) {
	$source = file_get_contents( $dir . '/' . $relative );
	if ( str_ends_with( $relative, '.js' ) ) {
		preg_match_all( "/\\b__\\(\\s*'((?:[^'\\\\]|\\\\.)*)'\\s*,\\s*'postflow'\\s*\\)/", $source, $matches, PREG_OFFSET_CAPTURE );
		foreach ( $matches[1] as $index => $match ) {
			$before = substr( $source, 0, $matches[0][ $index ][1] );
			$line   = substr_count( $before, "\n" ) + 1;
			// A translators comment on the line above the call, as wp i18n make-pot reads it.
			$lines   = explode( "\n", $before );
			$above   = $lines[ count( $lines ) - 2 ] ?? '';
			$comment = preg_match( '#/\*\s*(translators:.*?)\s*\*/#i', $above, $found ) ? $found[1] : null;
			$add( stripcslashes( $match[0] ), null, null, "$relative:$line", $comment );
		}
		continue;
	}
	$tokens  = token_get_all( $source );
	$comment = null;
	$count   = count( $tokens );
	for ( $i = 0; $i < $count; $i++ ) {
		$token = $tokens[ $i ];
		if ( is_array( $token ) && T_COMMENT === $token[0] && preg_match( '/translators:.*/i', $token[1], $found ) ) {
			$comment = trim( preg_replace( '#\s*\*/$#', '', $found[0] ) );
			continue;
		}
		if ( ! is_array( $token ) || T_STRING !== $token[0] || ! isset( $keywords[ $token[1] ] ) ) {
			continue;
		}
		// The call's arguments, each a constant string or null.
		$j = $i + 1;
		while ( is_array( $tokens[ $j ] ) && T_WHITESPACE === $tokens[ $j ][0] ) {
			$j++;
		}
		if ( '(' !== $tokens[ $j ] ) {
			continue;
		}
		$args  = array( null );
		$depth = 0;
		for ( $j++; $j < $count; $j++ ) {
			$part = $tokens[ $j ];
			if ( '(' === $part || '[' === $part ) {
				$depth++;
			} elseif ( ')' === $part || ']' === $part ) {
				if ( 0 === $depth-- ) {
					break;
				}
			} elseif ( ',' === $part && 0 === $depth ) {
				$args[] = null;
			} elseif ( is_array( $part ) && T_CONSTANT_ENCAPSED_STRING === $part[0] && 0 === $depth && null === end( $args ) ) {
				$literal                    = substr( $part[1], 1, -1 );
				$args[ count( $args ) - 1 ] = "'" === $part[1][0] ? strtr( $literal, array( "\\\\" => "\\", "\\'" => "'" ) ) : stripcslashes( $literal );
			}
		}
		[ $single, $plural, $context ] = $keywords[ $token[1] ];
		$domain                        = end( $args );
		if ( 'postflow' === $domain && null !== $args[ $single ] ) {
			$add( $args[ $single ], null === $plural ? null : $args[ $plural ], null === $context ? null : $args[ $context ], "$relative:{$token[2]}", $comment );
		}
		$comment = null;
	}
}

$quote = function ( $text ) {
	return '"' . str_replace( array( '\\', '"', "\n", "\t" ), array( '\\\\', '\\"', '\\n', '\\t' ), $text ) . '"';
};
preg_match( '/^\s*\*\s*Version:\s*(\S+)/m', file_get_contents( $dir . '/postflow.php' ), $version );
$pot  = "# Copyright (C) PostFlow\n# This file is distributed under the GPL-2.0-or-later.\n";
$pot .= "msgid \"\"\nmsgstr \"\"\n";
$pot .= '"Project-Id-Version: PostFlow ' . ( $version[1] ?? '' ) . "\\n\"\n";
$pot .= "\"POT-Creation-Date: " . gmdate( 'Y-m-d H:i' ) . "+0000\\n\"\n";
$pot .= "\"MIME-Version: 1.0\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Content-Transfer-Encoding: 8bit\\n\"\n";
$pot .= "\"X-Domain: postflow\\n\"\n";
foreach ( $entries as $entry ) {
	$pot .= "\n";
	foreach ( array_keys( $entry['comments'] ) as $comment ) {
		$pot .= "#. $comment\n";
	}
	$pot .= '#: ' . implode( ' ', $entry['refs'] ) . "\n";
	if ( str_contains( $entry['msgid'], '%' ) ) {
		$pot .= "#, php-format\n";
	}
	if ( null !== $entry['context'] ) {
		$pot .= 'msgctxt ' . $quote( $entry['context'] ) . "\n";
	}
	$pot .= 'msgid ' . $quote( $entry['msgid'] ) . "\n";
	if ( null !== $entry['plural'] ) {
		$pot .= 'msgid_plural ' . $quote( $entry['plural'] ) . "\nmsgstr[0] \"\"\nmsgstr[1] \"\"\n";
	} else {
		$pot .= "msgstr \"\"\n";
	}
}

$target = $dir . '/languages/postflow.pot';
if ( $check ) {
	$undated = function ( $text ) {
		return preg_replace( '/^"POT-Creation-Date: .*$/m', '', $text );
	};
	if ( ! is_file( $target ) || $undated( file_get_contents( $target ) ) !== $undated( $pot ) ) {
		fwrite( STDERR, "languages/postflow.pot is out of date: run php scripts/wordpress/make-pot.php plugins/wordpress/postflow\n" );
		exit( 1 );
	}
	exit( 0 );
}
file_put_contents( $target, $pot );
echo count( $entries ) . " strings written to $target\n";
