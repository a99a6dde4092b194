<?php
/**
 * Sets up the test site that test/helpers/wordpress.ts builds (php-cli, inside the site's folder):
 *   php site.php install            wp_install() with a random admin password and an application password;
 *                                   prints {"adminUser","adminPassword","appPassword"} as JSON
 *   php site.php activate <json>    activates plugins and sets options: {"plugins": [...], "options": {...}}
 * Not part of the plugin: a test harness script, kept out of the plugin's phpcs run.
 */

define( 'WP_INSTALLING', 'install' === ( $argv[1] ?? '' ) );
$_SERVER['HTTP_HOST'] = '127.0.0.1';
require getcwd() . '/wp-load.php';

$command = $argv[1] ?? '';
if ( 'install' === $command ) {
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$password = wp_generate_password( 24, false );
	// wp_install mails the admin; there is no sendmail here and nobody to read it.
	add_filter( 'pre_wp_mail', '__return_true' );
	wp_install( 'PostFlow test site', 'admin', 'admin@example.test', false, '', $password, 'en_US' );
	update_option( 'permalink_structure', '' );
	$user = get_user_by( 'login', 'admin' );
	wp_update_user( array( 'ID' => $user->ID, 'display_name' => 'Ada Admin' ) );
	$created = WP_Application_Passwords::create_new_application_password( $user->ID, array( 'name' => 'tests' ) );
	if ( is_wp_error( $created ) ) {
		fwrite( STDERR, $created->get_error_message() . "\n" );
		exit( 1 );
	}
	echo json_encode( array( 'adminUser' => 'admin', 'adminPassword' => $password, 'appPassword' => $created[0] ) ), "\n";
} elseif ( 'activate' === $command ) {
	$spec = json_decode( $argv[2] ?? '{}', true );
	require_once ABSPATH . 'wp-admin/includes/plugin.php';
	foreach ( $spec['plugins'] ?? array() as $plugin ) {
		$result = activate_plugin( $plugin );
		if ( is_wp_error( $result ) ) {
			fwrite( STDERR, "activating $plugin: " . $result->get_error_message() . "\n" );
			exit( 1 );
		}
	}
	foreach ( $spec['options'] ?? array() as $name => $value ) {
		// Options that already exist keep their autoload setting (the plugin's connection is not autoloaded).
		update_option( $name, $value );
	}
} else {
	fwrite( STDERR, "usage: php site.php install | activate <json>\n" );
	exit( 2 );
}
